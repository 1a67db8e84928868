# Change -MaxCalls and -MaxCallsPolicy, then remove calls.
$s = New-GradioSession $LabUrl -Name lab
Set-GradioSession -MaxCalls 2 -MaxCallsPolicy remove
$calls = 1..3 | % { Invoke-GradioSessionApi echo @("x") }
@(Get-GradioSessionApi).Count
$s.options.MaxCallsPolicy
$done = @(Update-GradioSessionApiResult $calls[-1])
$gone = @(Remove-GradioSessionApi clean)
$gone.Count
@(Get-GradioSessionApi).Count
$all = @(Remove-GradioSessionApi all)
@(Get-GradioSessionApi).Count
