using Microsoft.Extensions.Options;
using TagWorker.Tests.Support;
using TagWorker.WriteBack;

namespace TagWorker.Tests.WriteBack;

public sealed class ExifToolTests
{
    /// <summary>A stand-in for an exiftool that never answers (a hung share): a script that only sleeps.</summary>
    [Fact]
    public void A_hung_exiftool_stand_in_is_stopped_after_the_timeout_and_the_write_fails_with_that_reason()
    {
        using var dir = new TempDir("hung-exiftool");
        var script = dir.Combine("exiftool");
        File.WriteAllText(script, "#!/bin/sh\nexec sleep 600\n");
        Assert.Equal(0, Shell.Run("chmod", "700", script).ExitCode);
        using var exifTool = new ExifTool(
            Options.Create(new WriteBackOptions { ExifTool = script, ExifToolTimeoutSeconds = 2 })
        );

        var error = Assert.Throws<WriteBackException>(() => exifTool.Run("-ver"));

        Assert.Equal("exiftool did not finish within 2 s; it was stopped", error.Message);
        Assert.DoesNotContain(script, Shell.Run("ps", "-eo", "args").Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_real_exiftool_answers_and_keeps_answering()
    {
        using var exifTool = new ExifTool(Options.Create(new WriteBackOptions()));
        Assert.Matches(@"^\d+\.\d+", exifTool.Run("-ver").Stdout.Trim());
        Assert.Matches(@"^\d+\.\d+", exifTool.Run("-ver").Stdout.Trim());
    }
}
