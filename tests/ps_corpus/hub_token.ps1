# Set the default token first, as the documentation says, then use the Hub.
Set-HuggingFaceToken $env:HF_TOKEN
(Get-HuggingFaceWhoami).name
$space = Get-HfSpace owner/public
$space.id
