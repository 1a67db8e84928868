# A generated function called with positional arguments; its PowerShell name.
$s = New-GradioSession $LabUrl -Name lab
$fns = New-GradioSessionApiProxyFunction greet -Prefix My
$res = MyGreet 'Positional' 1
$res.data
$fns.Name
