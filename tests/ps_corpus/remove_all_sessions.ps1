# Remove-GradioSession with no argument removes every session.
$null = New-GradioSession $LabUrl -Name a
$null = New-GradioSession $LabUrl -Name b
Remove-GradioSession
@(Get-GradioSession).Count
