# A member of an array is the member of each item.
$null = New-GradioSession $LabUrl -Name first
$null = New-GradioSession $LabUrl -Name second
(Get-GradioSession).name
@(Get-GradioSession).name.Count
