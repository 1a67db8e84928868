# The Hugging Face cmdlets against the local Hub: whoami, a Space, its session, waiting, a proxy.
(Get-HfMe).name
@(Invoke-HfHub spaces -author owner).Count
$sp = Get-HfSpace owner/public
$sp.id
$sp.sdk
(Get-GradioSession $sp).name
Wait-HfSpace owner/public -timeout 5 -NoStatus
$started = Start-HuggingFaceSpace owner/public
$c = Connect-HfSpaceGradio owner/public
$c.name
$fn = GradioApiFunction echo -Prefix Hub -Session $sp
HubEcho -Text "via hub" | % { $_.data[0] }
