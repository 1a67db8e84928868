# A Space is a session too: make it the default, generate, invoke.
$diff = Get-HuggingFaceSpace owner/public
Set-GradioSession -Default $diff
(Get-GradioSession .).name
$null = New-GradioSessionApiProxyFunction greet
Invoke-GradioApiGreet -Name "a car flying" -Times 1 | % { $_.data[0] }
