using TagWorker.Imaging;
using TagWorker.Tests.Support;

namespace TagWorker.Tests.Imaging;

/// <summary>Real photos through real libvips: orientation, every format and colour space, and bad input.</summary>
public sealed class DecodeTests(ReferenceAnalyzer fixture) : IClassFixture<ReferenceAnalyzer>
{
    private Analyzers Analyzers => fixture.Analyzers;

    [Theory]
    [InlineData("exif_orientation_1.jpg", 1)]
    [InlineData("exif_orientation_3.jpg", 3)]
    [InlineData("exif_orientation_6.jpg", 6)]
    [InlineData("exif_orientation_8.jpg", 8)]
    [InlineData("camera_canon_sx60_orientation6.jpg", 6)]
    public void EXIF_orientation_is_applied_and_kept(string file, int orientation)
    {
        var analysis = Analyzers.Analyze(Path.Combine(Repo.Photos, file));

        Assert.Equal(orientation, analysis.Orientation);
        Assert.True(
            analysis.Width > analysis.Height == file.StartsWith("exif", StringComparison.Ordinal),
            $"{analysis.Width}x{analysis.Height}"
        );
    }

    [Fact]
    public void A_rotated_copy_finds_the_same_face_in_displayed_coordinates()
    {
        var upright = Analyzers.Analyze(Path.Combine(Repo.Photos, "obama_2.jpg"));
        var rotated = Analyzers.Analyze(Path.Combine(Repo.Photos, "obama_2_exif_orientation6.jpg"));

        Assert.Equal((upright.Width, upright.Height), (rotated.Width, rotated.Height));
        var a = upright.Faces.OrderByDescending(f => f.Box.Area).First();
        var b = rotated.Faces.OrderByDescending(f => f.Box.Area).First();
        Assert.True(a.Box.IoU(b.Box) > 0.9, $"{a.Box} vs {b.Box}");
        Assert.True(System.Numerics.Tensors.TensorPrimitives.Dot(a.Embedding!, b.Embedding!) > 0.95);
    }

    [Theory]
    [InlineData("heic", "")]
    [InlineData("avif", "")]
    [InlineData("webp", "")]
    [InlineData("tif", "")]
    [InlineData("png", "")]
    [InlineData("jpg", "cmyk")]
    [InlineData("jpg", "b-w")]
    [InlineData("tif", "rgb16")]
    [InlineData("png", "grey16")]
    [InlineData("png", "alpha")]
    public void Every_supported_format_and_colour_space_finds_the_face(string format, string conversion)
    {
        using var dir = new TempDir("fmt");
        var source = Path.Combine(Repo.Photos, "obama_1.jpg");
        var target = dir.Combine($"obama.{format}");
        var made = conversion switch
        {
            "" => Shell.Run("vips", "copy", source, target),
            "alpha" => Shell.Run("vips", "bandjoin_const", source, target, "255"),
            _ => Shell.Run("vips", "colourspace", source, target, conversion),
        };
        Assert.True(made.ExitCode == 0, made.Error);

        var analysis = Analyzers.Analyze(target);
        var reference = Analyzers.Analyze(source);

        Assert.Equal((910, 1137), (analysis.Width, analysis.Height));
        var face = Assert.Single(analysis.Faces);
        var cosine = System.Numerics.Tensors.TensorPrimitives.Dot(face.Embedding!, reference.Faces[0].Embedding!);
        // Grey photos lose colour, so their embedding moves more, but stays far above other people's (< 0.2).
        Assert.True(
            cosine > (conversion.StartsWith("gr", StringComparison.Ordinal) || conversion == "b-w" ? 0.7 : 0.9),
            $"cosine {cosine:F3}"
        );
    }

    [Fact]
    public void Thumbnails_and_previews_are_real_JPEGs_of_the_right_size()
    {
        var analysis = Analyzers.Analyze(Path.Combine(Repo.Photos, "zidane.jpg"), thumbnails: true);

        Assert.Equal(2, analysis.Faces.Count);
        foreach (var jpeg in analysis.Faces.Select(f => f.Thumbnail!).Append(analysis.Preview!))
        {
            Assert.Equal([0xFF, 0xD8], jpeg[..2]);
            using var decoded = new ImageDecoder(
                Microsoft.Extensions.Options.Options.Create(new ImagingOptions())
            ).Decode(jpeg);
            Assert.InRange(Math.Max(decoded.Width, decoded.Height), 16, 640);
        }
    }

    public static TheoryData<string, string> BadInput() =>
        new()
        {
            { "empty", "empty file" },
            { "text", "does not start like a JPEG" },
            { "zeros", "it starts with zeros" }, // as a sparse or preallocated file does: refused before libvips maps it whole
            { "truncated", "Premature end of input file" },
            { "bomb", "megapixels, over the limit" },
            { "corrupt-png", "libpng read error" },
        };

    [Theory]
    [MemberData(nameof(BadInput))]
    public void Bad_input_fails_with_a_clear_error_and_the_next_photo_still_works(string kind, string message)
    {
        var bytes = kind switch
        {
            "empty" => [],
            "text" => "this is a text file named photo.jpg\n"u8.ToArray(),
            "zeros" => new byte[64 * 1024],
            "truncated" => File.ReadAllBytes(Path.Combine(Repo.Photos, "bus.jpg"))[..40_000],
            "bomb" => BadFiles.PngBomb(30000, 30000),
            _ => BadFiles.CorruptPng(),
        };

        var error = Assert.Throws<ImagingException>(() => Analyzers.Analyze(bytes));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        Assert.Equal(2, Analyzers.Analyze(Path.Combine(Repo.Photos, "bus.jpg")).Faces.Count);
    }

    [Fact]
    public void A_small_file_that_needs_its_whole_image_at_once_is_refused_by_its_memory_need_before_decoding()
    {
        // 763 KB on disk can claim 14000x14000 RGBA, interlaced: 748 MB at once, over the default 512.
        var png = BadFiles.PngBomb(14000, 14000, colourType: 6, interlace: 1);

        var error = Assert.Throws<ImagingException>(() => Analyzers.Analyze(png));
        Assert.Contains(
            "14000x14000 interlaced PNG needs about 747 MB to decode, over the limit of 512 MB",
            error.Message,
            StringComparison.Ordinal
        );

        // A progressive JPEG keeps every DCT coefficient whatever the shrink; the same photo saved baseline decodes in
        // parts.
        using var big = NetVips.Image.NewFromFile(Path.Combine(Repo.Photos, "bus.jpg")).Resize(4);
        var decoder = new ImageDecoder(
            Microsoft.Extensions.Options.Options.Create(new ImagingOptions { DecodeMemoryMb = 32 })
        );
        var refusal = Assert.Throws<ImagingException>(() => decoder.Decode(big.JpegsaveBuffer(interlace: true)));
        Assert.Contains(
            "progressive JPEG needs about 80 MB to decode, over the limit of 32 MB",
            refusal.Message,
            StringComparison.Ordinal
        );
        using var baseline = decoder.Decode(big.JpegsaveBuffer());
        Assert.Equal((3240, 4320), (baseline.Width, baseline.Height));
    }

    [Fact]
    public async Task Decodes_that_need_much_memory_wait_for_each_other_and_small_ones_never_wait()
    {
        var budget = new DecodeBudget(100);
        var first = budget.Take(70);
        var second = Task.Run(() => budget.Take(70));
        var winner = await Task.WhenAny(second, Task.Delay(300));
        Assert.NotSame(second, winner); // 140 would be over the budget: it waits
        using (budget.Take(0))
        {
            // a decode read in parts never waits
        }
        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        using var alone = budget.Take(500); // more than the budget, with nothing else running: it runs
    }
}
