# Keep only the newest calls (MaxCallsPolicy remove).
$s = New-GradioSession $LabUrl -Name lab
Set-GradioSession lab -MaxCalls 2 -MaxCallsPolicy remove
foreach ($i in 1..4) { $null = Invoke-GradioSessionApi echo @("call $i") }
@(Get-GradioSessionApi).Count
$last = @(Get-GradioSessionApi)[-1]
@(Update-GradioSessionApiResult $last)[-1].data[0]
