using Microsoft.Extensions.Options;
using TagWorker.Imaging;
using TagWorker.Tests.Support;

namespace TagWorker.Tests.Imaging;

/// <summary>libvips started safely (modules, loaders) and its shared error buffer never mixing two photos'
/// failures.</summary>
public sealed class LibVipsTests
{
    private readonly ImageDecoder _decoder = new(Options.Create(new ImagingOptions()));

    [Fact]
    public void A_module_planted_where_another_account_could_write_is_never_loaded()
    {
        using var dir = new TempDir("plant");
        var system = Directory
            .GetDirectories("/usr/lib")
            .Append("/usr/lib")
            .SelectMany(d => Directory.GetDirectories(d, "vips-modules-*"))
            .First();
        var marker = dir.Combine("planted-module-ran");
        var source = dir.Combine("evil.c");
        File.WriteAllText(
            source,
            $$"""
            #include <stdio.h>
            __attribute__((constructor)) static void planted(void) { FILE *f = fopen("{{marker}}", "w"); if (f) fclose(f); }
            """
        );
        var evil = dir.Combine("evil.so");
        var compiled = Shell.Run("gcc", "-shared", "-fPIC", "-o", evil, source);
        Assert.True(compiled.ExitCode == 0, compiled.Error);
        // Where the old binding kept its module links (a fixed name under the temp folder), and a
        // VIPSHOME of the attacker's choosing: both get a "heif" module and an extra one.
        var tmp = dir.Combine("tmp");
        var planted = dir.Combine("vipshome");
        foreach (var home in new[] { Path.Combine(tmp, $"tagworker-vips-{Environment.UserName}"), planted })
        {
            foreach (var lib in new[] { "lib", Path.GetFileName(Path.GetDirectoryName(system)!) })
            {
                var modules = Directory.CreateDirectory(Path.Combine(home, lib, Path.GetFileName(system))).FullName;
                File.Copy(evil, Path.Combine(modules, "vips-heif.so"));
                File.Copy(evil, Path.Combine(modules, "vips-evil.so"));
            }
        }
        var heic = dir.Combine("photo.heic");
        Assert.Equal(0, Shell.Run("vips", "copy", Path.Combine(Repo.Photos, "obama_1.jpg"), heic).ExitCode);

        var run = Shell.App(
            ["analyze", heic, "--json"],
            new Dictionary<string, string?>
            {
                ["TMPDIR"] = tmp,
                ["VIPSHOME"] = planted,
                ["TAGWORKER_HOME"] = Repo.Root,
            }
        );

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Contains("\"faces\":[{", run.Output, StringComparison.Ordinal); // the real HEIF module decoded it
        Assert.False(File.Exists(marker), "a planted module ran inside TagWorker");
        Assert.DoesNotContain(Directory.GetDirectories(tmp, "tagworker-vips-*"), d =>
            !d.EndsWith(Environment.UserName, StringComparison.Ordinal)
        );
    }

    [Fact]
    public void The_private_module_folder_is_gone_once_libvips_has_started()
    {
        Assert.NotNull(LibVips.ModuleHome);
        Assert.False(Directory.Exists(LibVips.ModuleHome));
    }

    [Fact]
    public void A_file_in_a_format_we_do_not_accept_is_refused_not_parsed()
    {
        var svg =
            "<svg xmlns='http://www.w3.org/2000/svg' width='4000' height='4000'><rect width='10' height='10'/></svg>"u8.ToArray();

        var error = Assert.Throws<ImagingException>(() => _decoder.Decode(svg));

        Assert.Contains("not a photo TagWorker can read", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Failures_on_many_threads_at_once_each_get_their_own_message()
    {
        var jpeg = File.ReadAllBytes(Path.Combine(Repo.Photos, "bus.jpg"));
        var png = File.ReadAllBytes(Path.Combine(Repo.Photos, "alex_lacamoire_2.png"));
        var cases = new (string Kind, byte[] Bytes, string Expected, string[] Foreign)[]
        {
            ("good", jpeg, "", []),
            ("truncated jpeg", jpeg[..40_000], "VipsJpeg", ["png", "known format"]),
            ("truncated png", png[..50_000], "png", ["Jpeg", "known format"]),
            ("broken tiff", [.. "II*\0"u8, .. "just text after a TIFF signature"u8], "known format", ["Jpeg", "png"]),
        };
        var work = Enumerable.Range(0, 120).Select(i => cases[i % cases.Length]).ToArray();

        var outcomes = work.AsParallel()
            .WithDegreeOfParallelism(4)
            .Select(c =>
            {
                try
                {
                    using var photo = _decoder.Decode(c.Bytes);
                    return (c, (string?)null);
                }
                catch (ImagingException e)
                {
                    return (c, e.Message);
                }
            })
            .ToArray();

        foreach (var (c, message) in outcomes)
        {
            if (c.Kind == "good")
            {
                Assert.Null(message);
                continue;
            }
            Assert.NotNull(message);
            Assert.Contains(c.Expected, message, StringComparison.OrdinalIgnoreCase);
            foreach (var foreign in c.Foreign)
            {
                Assert.DoesNotContain(foreign, message, StringComparison.OrdinalIgnoreCase);
            }
        }
    }
}
