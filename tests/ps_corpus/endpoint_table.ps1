# A small table of an endpoint's parameters with -f.
$info = Get-GradioInfo $LabUrl
$greet = $info.named_endpoints.'/greet'
foreach ($p in $greet.parameters) {
    "{0,-6}|{1}|{2}" -f $p.parameter_name, $p.component, $p.parameter_default
}
