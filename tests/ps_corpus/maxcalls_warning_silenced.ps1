# Past the limit with policy warning, the warning silenced.
$s = New-GradioSession $LabUrl -Name lab
Set-GradioSession lab -MaxCalls 1 -MaxCallsPolicy warning
$a = Invoke-GradioSessionApi echo @('one')
$b = Invoke-GradioSessionApi echo @('two') -WarningAction SilentlyContinue
@(Get-GradioSessionApi).Count
