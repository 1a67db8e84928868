# Where-Object with -eq and -like, which ignore case.
$null = New-GradioSession $LabUrl -Name 'Space:Owner/App'
$null = New-GradioSession $LabUrl -Name other
Get-GradioSession | ? { $_.name -eq 'space:owner/app' } | % { $_.name }
Get-GradioSession | ? { $_.name -like 'OTH*' } | % { $_.name.ToUpper() }
