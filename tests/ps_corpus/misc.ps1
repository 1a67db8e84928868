# The dynamic API, parameter types, proxy bookkeeping and removing a session.
$s = New-GradioSession $LabUrl -Name lab
Invoke-GradioDynamicApi echo lab -text "dyn" | % { $_.data[0] }
Convert-GradioParamPowershell (Get-GradioInfo lab).named_endpoints['/greet'].parameters[0]
$fns = GradioApiFunction echo -Session lab
@(Get-GradioSessionApiProxyFunction).Count
Remove-GradioSessionApiProxyFunction $fns
@(Get-GradioSessionApiProxyFunction).Count
Remove-GradioSession lab
@(Get-GradioSession).Count
