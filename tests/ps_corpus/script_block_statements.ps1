# A script block of several statements in ForEach-Object.
$s = New-GradioSession $LabUrl -Name lab
$null = New-GradioSessionApiProxyFunction count_up
Invoke-GradioApiCountUp -N 2 | % { $_.data[0]; Write-Host "event $($_.num)" }
