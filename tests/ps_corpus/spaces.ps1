# A Space found on the Hub, its session, and a proxy of it.
$sp = Get-HfSpace owner/public
$sp.id
$sp.sdk
(Get-GradioSession $sp).name
$fn = GradioApiFunction echo -Prefix Hub -Session $sp
HubEcho -Text "via hub" | % { $_.data[0] }
