# A here-string as a parameter.
$s = New-GradioSession $LabUrl -Name lab
$text = @"
line one
line two
"@
$c = Invoke-GradioSessionApi echo @($text)
(@(Update-GradioSessionApiResult $c))[-1].data[0]
$text.Length
