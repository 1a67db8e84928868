# Remove all sessions (the module's Pester tests start this way).
New-GradioSession $LabUrl -Name a | Out-Null
New-GradioSession $LabUrl -Name b | Out-Null
Get-GradioSession | Remove-GradioSession
@(Get-GradioSession).Count
