using System.Diagnostics;
using Microsoft.Extensions.Options;
using TagWorker.Inference;
using TagWorker.Tests.Support;

namespace TagWorker.Tests.Inference;

/// <summary>The hand-made ONNX Runtime binding against the real library and models.</summary>
[Collection(nameof(Isolated))]
public sealed class OnnxRuntimeTests : IDisposable
{
    private readonly OnnxRuntime _runtime = new(Options.Create(new InferenceOptions
    {
        OnnxRuntimePath = Analyzers.Paths()["TagWorker:Inference:OnnxRuntimePath"],
    }));

    public void Dispose() => _runtime.Dispose();

    [Fact]
    public void A_session_knows_its_input_and_output_names_and_shapes()
    {
        using var session = _runtime.Open(Path.Combine(Repo.Models, "yolov8-lite-t-face.onnx"));

        Assert.Equal(["images"], session.InputNames);
        Assert.Equal(["output0", "884", "892"], session.OutputNames);
        Assert.Equal([1L, 3, 640, 640], session.InputShape);
    }

    [Fact]
    public void A_batch_of_faces_embeds_in_one_run()
    {
        using var session = _runtime.Open(Path.Combine(Repo.Models, "w600k_mbf.onnx"));
        var input = new float[3 * 3 * 112 * 112];

        var output = Assert.Single(session.Run(input, [3, 3, 112, 112]));

        Assert.Equal([3L, 512], output.Shape);
    }

    [Fact]
    public void A_file_that_is_not_a_model_fails_with_ONNX_Runtimes_own_message()
    {
        using var dir = new TempDir("onnx");
        var bogus = dir.Combine("bogus.onnx");
        File.WriteAllText(bogus, "not a protobuf");

        var error = Assert.Throws<OnnxException>(() => _runtime.Open(bogus));

        Assert.Contains("cannot load model bogus.onnx", error.Message, StringComparison.Ordinal);
        Assert.Contains("protobuf", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_wrong_input_shape_fails_with_ONNX_Runtimes_own_message_and_the_session_still_works()
    {
        using var session = _runtime.Open(Path.Combine(Repo.Models, "yolov8n.onnx"));
        var wrong = new float[3 * 320 * 320];

        var error = Assert.Throws<OnnxException>(() => session.Run(wrong, [1, 3, 320, 320]));

        Assert.Contains("inference failed", error.Message, StringComparison.Ordinal);
        Assert.Contains("dimension", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal([1L, 84, 8400], session.Run(new float[3 * 640 * 640], [1, 3, 640, 640])[0].Shape);
    }

    [Fact]
    public void Many_inferences_do_not_grow_native_memory()
    {
        using var session = _runtime.Open(Path.Combine(Repo.Models, "yolov8-lite-t-face.onnx"));
        var input = new float[3 * 640 * 640];
        for (var i = 0; i < 20; i++)
        {
            session.Run(input, [1, 3, 640, 640]);
        }
        var before = Resident();

        for (var i = 0; i < 300; i++)
        {
            input[i] = i; // not the same input every time
            session.Run(input, [1, 3, 640, 640]);
        }

        var growth = Resident() - before;
        Assert.True(growth < 20 * 1024 * 1024, $"resident memory grew by {growth / 1048576.0:F1} MB over 300 runs");
    }

    private static long Resident()
    {
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return self.WorkingSet64;
    }
}
