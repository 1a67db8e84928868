# Start calls in a loop, then read each one.
$s = New-GradioSession $LabUrl -Name lab
$calls = @()
foreach ($name in @('Ana', 'Bo')) { $calls += Invoke-GradioSessionApi greet @{ name = $name; times = 1 } }
foreach ($c in $calls) { (@(Update-GradioSessionApiResult $c))[-1].data[0] }
