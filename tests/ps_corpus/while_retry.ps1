# Try until the answer is the one wanted.
$s = New-GradioSession $LabUrl -Name lab
$tries = 0
$done = $false
while (-not $done) {
    $tries++
    $r = @(Invoke-GradioSessionApi echo @("try $tries") | Update-GradioSessionApiResult)
    if ($r[-1].data[0] -eq 'try 2') { $done = $true }
}
"took $tries tries"
