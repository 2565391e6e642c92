using System.Diagnostics;
using Microsoft.Extensions.Options;
using TagWorker.Inference;
using TagWorker.Tests.Support;

namespace TagWorker.Tests.Inference;

/// <summary>ONNX Runtime's official package with the real models: shapes, batches, errors, memory, threads,
/// disposal.</summary>
[Collection(nameof(Isolated))]
public sealed class OnnxRuntimeTests
{
    private readonly OnnxRuntime _runtime = new(Options.Create(new InferenceOptions()));

    [Fact]
    public void A_model_knows_its_input_and_output_names_and_shapes()
    {
        using var model = _runtime.Open(Path.Combine(Repo.Models, "yolov8-lite-t-face.onnx"));

        Assert.Equal(["images"], model.InputNames);
        Assert.Equal(["output0", "884", "892"], model.OutputNames);
        Assert.Equal([1L, 3, 640, 640], model.InputShape);
    }

    [Fact]
    public void A_batch_of_faces_embeds_in_one_run_although_the_model_declares_a_batch_of_one()
    {
        using var model = _runtime.Open(Path.Combine(Repo.Models, "w600k_mbf.onnx"));
        using var buffers = new OnnxBuffers();
        var input = new float[3 * 3 * 112 * 112];

        var output = Assert.Single(model.Run(input, [3, 3, 112, 112], buffers));

        Assert.Equal([3L, 512], output.Shape);
        Assert.Equal(3 * 512, output.Values.Length);
    }

    [Fact]
    public void Outputs_land_in_the_callers_buffers_which_the_next_run_reuses()
    {
        using var model = _runtime.Open(Path.Combine(Repo.Models, "yolov8n.onnx"));
        using var buffers = new OnnxBuffers();
        var input = new float[3 * 640 * 640];

        var first = model.Run(input, [1, 3, 640, 640], buffers)[0];
        var second = model.Run(input, [1, 3, 640, 640], buffers)[0];

        Assert.Equal([1L, 84, 8400], first.Shape);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(first.Values, out var a));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(second.Values, out var b));
        Assert.Same(a.Array, b.Array);
    }

    [Fact]
    public void Models_on_the_shared_arena_give_the_results_of_a_model_without_it_while_others_close_and_reopen()
    {
        var path = Path.Combine(Repo.Models, "yolov8-lite-t-face.onnx");
        using var buffers = new OnnxBuffers();
        var input = new float[3 * 640 * 640];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = (i * 7919 % 255) / 255f;
        }
        float[] Logits(OnnxModel model) => model.Run(input, [1, 3, 640, 640], buffers)[0].Values.ToArray();
        float[] expected;
        using (var plain = new OnnxRuntime(Options.Create(new InferenceOptions { CpuArena = false })).Open(path))
        {
            expected = Logits(plain);
        }

        var first = _runtime.Open(path);
        var second = _runtime.Open(path);
        Assert.Equal(expected, Logits(first));
        first.Dispose();
        Assert.Equal(expected, Logits(second)); // the arena is still there for the open one
        second.Dispose(); // the last user: the arena is freed
        using var third = _runtime.Open(path); // and registered again

        Assert.Equal(expected, Logits(third));
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
    public void A_missing_model_file_says_how_to_get_it()
    {
        var error = Assert.Throws<OnnxException>(() => _runtime.Open("/nowhere/yolov8n.onnx"));

        Assert.Contains("models/fetch", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_input_shape_fails_with_ONNX_Runtimes_own_message_and_the_model_still_works()
    {
        using var model = _runtime.Open(Path.Combine(Repo.Models, "yolov8n.onnx"));
        using var buffers = new OnnxBuffers();
        var wrong = new float[3 * 320 * 320];

        var error = Assert.Throws<OnnxException>(() => model.Run(wrong, [1, 3, 320, 320], buffers));

        Assert.Contains("inference failed (yolov8n.onnx)", error.Message, StringComparison.Ordinal);
        Assert.Contains("dimension", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal([1L, 84, 8400], model.Run(new float[3 * 640 * 640], [1, 3, 640, 640], buffers)[0].Shape);
    }

    [Fact]
    public void Two_threads_running_one_model_get_the_same_results_as_one_thread()
    {
        using var model = _runtime.Open(Path.Combine(Repo.Models, "w600k_mbf.onnx"));
        var inputs = Enumerable
            .Range(0, 2)
            .Select(seed =>
            {
                var random = new Random(seed);
                return Enumerable.Range(0, 3 * 112 * 112).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray();
            })
            .ToArray();
        using var alone = new OnnxBuffers();
        var expected = inputs.Select(i => model.Run(i, [1, 3, 112, 112], alone)[0].Values.ToArray()).ToArray();

        var results = inputs
            .AsParallel()
            .WithDegreeOfParallelism(2)
            .Select(
                (input, k) =>
                {
                    using var buffers = new OnnxBuffers();
                    float[] last = [];
                    for (var i = 0; i < 20; i++)
                    {
                        last = model.Run(input, [1, 3, 112, 112], buffers)[0].Values.ToArray();
                    }
                    return (k, last);
                }
            )
            .ToArray();

        foreach (var (k, last) in results)
        {
            Assert.Equal(expected[k], last);
        }
    }

    [Fact]
    public async Task Dispose_waits_for_a_run_in_progress_and_later_runs_are_refused()
    {
        var model = _runtime.Open(Path.Combine(Repo.Models, "yolov8n.onnx"));
        using var buffers = new OnnxBuffers();
        var input = new float[3 * 640 * 640];
        using var started = new ManualResetEventSlim();
        var completed = 0;
        var running = Task.Run(() =>
        {
            try
            {
                for (var i = 0; i < 5; i++)
                {
                    started.Set();
                    model.Run(input, [1, 3, 640, 640], buffers);
                    completed++;
                }
            }
            catch (ObjectDisposedException)
            {
                // refused after Dispose: expected
            }
        });
        started.Wait();
        Thread.Sleep(20); // well inside a run of ~100 ms

        model.Dispose(); // must wait, not free the session under the running thread

        await running.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.InRange(completed, 1, 5); // the run in progress finished with a result
        Assert.Throws<ObjectDisposedException>(() => model.Run(input, [1, 3, 640, 640], buffers));
    }

    [Fact]
    public void Many_inferences_do_not_grow_native_memory()
    {
        using var model = _runtime.Open(Path.Combine(Repo.Models, "yolov8-lite-t-face.onnx"));
        using var buffers = new OnnxBuffers();
        var input = new float[3 * 640 * 640];
        for (var i = 0; i < 20; i++)
        {
            model.Run(input, [1, 3, 640, 640], buffers);
        }
        var before = Resident();

        for (var i = 0; i < 300; i++)
        {
            input[i] = i; // not the same input every time
            model.Run(input, [1, 3, 640, 640], buffers);
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
