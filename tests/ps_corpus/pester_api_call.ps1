# Call a generated function and match its answer with -like.
$s = New-GradioSession $LabUrl -Name lab
$null = New-GradioSessionApiProxyFunction -Prefix PowershaiTest
$RandomVal = 421
$result = PowershaiTestEcho -text "PowershaiTest:Ok:$RandomVal"
$result.data -like "*PowershaiTest:Ok:$RandomVal*"
