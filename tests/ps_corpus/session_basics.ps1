# Open a session, call with an array and with @{}, read the results.
$s = New-GradioSession $LabUrl -Name lab
$s.name
$s.options.MaxCalls
$c = Invoke-GradioSessionApi greet @("Ana", 2)
$r = @(Update-GradioSessionApiResult $c)
$r[-1].data[0]
$c2 = Invoke-GradioSessionApi greet @{ Name = "Bo" }   # times takes its default
$r2 = @(Update-GradioSessionApiResult $c2 -History)
$r2[-1].data[0]
$c2.ApiEvent.Status
@(Get-GradioSessionApi).Count
"done with $($s.name)"
