# Check a path, upload it, and test another path built with Join-Path.
$s = New-GradioSession $LabUrl -Name lab
if (Test-Path $FilePath) {
    $sent = Send-GradioSessionFiles $FilePath
    $sent.orig_name
}
Test-Path (Join-Path $FilePath 'nope')
