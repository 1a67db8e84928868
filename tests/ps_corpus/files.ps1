# Upload a file through the session, send it to an endpoint, read the answer.
$s = New-GradioSession $LabUrl -Name lab
$fd = @(Send-GradioSessionFiles $FilePath)[0]
$fd.orig_name
$c = Invoke-GradioSessionApi copy_file @($fd)
$r = @(Update-GradioSessionApiResult $c)
$r[-1].data[1]
