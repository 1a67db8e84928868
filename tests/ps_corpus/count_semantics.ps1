# .Count of nothing, of one object, of two.
$s = New-GradioSession $LabUrl -Name lab
$none = Get-GradioSessionApi
"calls: $($none.Count)"
$one = Invoke-GradioSessionApi echo @('x')
"one: $((Get-GradioSessionApi).Count)"
$two = Invoke-GradioSessionApi echo @('y')
"two: $((Get-GradioSessionApi).Count)"
$s.Count
