# Past the limit with policy error, the error silenced: $b stays $null.
$s = New-GradioSession $LabUrl -Name lab
Set-GradioSession lab -MaxCalls 1 -MaxCallsPolicy error
$a = Invoke-GradioSessionApi echo @('one')
$b = Invoke-GradioSessionApi echo @('two') -ErrorAction SilentlyContinue
"b is null: $($b -eq $null)"
@(Get-GradioSessionApi).Count
