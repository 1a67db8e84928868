# -Verbose on any cmdlet.
$s = New-GradioSession $LabUrl -Name lab -Verbose
$r = Invoke-GradioSessionApi echo @('v') -Verbose | Update-GradioSessionApiResult -Verbose
$r.data[0]
