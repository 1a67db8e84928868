# Generate the functions, then stream a generator's results into strings.
New-GradioSession $LabUrl -Name lab | Out-Null
$null = New-GradioSessionApiProxyFunction count_up
Invoke-GradioApiCountUp -N 2 | %{ "ElapsedSeconds: $($_.data)" }
