# The stateless cmdlets: Get-GradioInfo, Send-GradioApi, Update-GradioApiResult, Send-GradioFile, Invoke-GradioHttp.
$info = Get-GradioInfo $LabUrl
@($info.named_endpoints['/greet'].parameters).Count
$ev = Send-GradioApi $LabUrl echo @("raw")
$res = @(Update-GradioApiResult $ev -History)
$res[-1].data[0]
$ev.Status
$up = @(Send-GradioFile $LabUrl $FilePath)
$up[0].orig_name
$cfg = Invoke-GradioHttp "$LabUrl/config"
$cfg.mode
