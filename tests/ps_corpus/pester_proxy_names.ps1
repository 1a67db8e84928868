# Create proxy functions with a prefix from a piped session, and check their names.
$s = New-GradioSession $LabUrl -Name lab
$Command = $s | New-GradioSessionApiProxyFunction -Force -Prefix "PowershaiTest"
$command.name -contains 'powershaitestecho'
@($command).Count
