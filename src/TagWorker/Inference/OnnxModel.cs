using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace TagWorker.Inference;

/// <summary>One output of a run: its shape and values (in the caller's buffers, valid until its next run).</summary>
public readonly record struct OnnxOutput(string Name, long[] Shape, ReadOnlyMemory<float> Values);

/// <summary>
/// A model with one float input and float outputs, loaded once and run from any number of threads
/// at once (ONNX Runtime's Run is thread-safe). Input and outputs live in buffers the caller owns
/// (<see cref="OnnxBuffers"/>, one per thread), wrapped as OrtValues without copying, so a run
/// allocates no tensor memory of ours. Dispose waits for runs in progress instead of racing them.
/// </summary>
public sealed class OnnxModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _file;
    private readonly Action? _closed;
    private readonly string[] _inputName;
    private readonly string[] _outputNames;
    private readonly long[][] _outputShapes;
    private readonly object _lock = new(); // Monitor.Wait needs an object lock
    private int _running;
    private bool _disposed;

    internal OnnxModel(InferenceSession session, string file, Action? closed = null)
    {
        _session = session;
        _file = file;
        _closed = closed;
        try
        {
            if (
                session.InputNames.Count != 1
                || session.InputMetadata[session.InputNames[0]]
                    is not { IsTensor: true, ElementDataType: TensorElementType.Float }
            )
            {
                throw new OnnxException($"model {file} must take one float tensor");
            }
            var wrong = session.OutputNames.FirstOrDefault(n =>
                session.OutputMetadata[n] is not { IsTensor: true, ElementDataType: TensorElementType.Float }
            );
            if (wrong is not null)
            {
                throw new OnnxException($"model {file}: output {wrong} is not a float tensor");
            }
        }
        catch
        {
            session.Dispose();
            closed?.Invoke();
            throw;
        }
        _inputName = [session.InputNames[0]];
        _outputNames = [.. session.OutputNames];
        _outputShapes =
        [
            .. _outputNames.Select(n => session.OutputMetadata[n].Dimensions.Select(d => (long)d).ToArray()),
        ];
        InputShape = [.. session.InputMetadata[_inputName[0]].Dimensions.Select(d => (long)d)];
    }

    public IReadOnlyList<string> InputNames => _inputName;
    public IReadOnlyList<string> OutputNames => _outputNames;

    /// <summary>Declared shape of the input (-1 for a free dimension).</summary>
    public long[] InputShape { get; }

    /// <summary>Runs <paramref name="input"/> (its first <paramref name="shape"/>-many values) into <paramref
    /// name="buffers"/>.</summary>
    public OnnxOutput[] Run(float[] input, long[] shape, OnnxBuffers buffers)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _running++;
        }
        try
        {
            var count = shape.Aggregate(1L, (a, b) => a * b);
            using var value = OrtValue.CreateTensorValueFromMemory(
                OrtMemoryInfo.DefaultInstance,
                input.AsMemory(0, (int)count),
                shape
            );
            var shapes = _outputShapes.Select(s => OutputShape(s, shape[0])).ToArray();
            try
            {
                return shapes.All(s => s is not null) ? RunInto(value, shapes!, buffers) : RunAndCopy(value, buffers);
            }
            catch (OnnxRuntimeException e)
            {
                throw new OnnxException($"inference failed ({_file}): {e.Message}");
            }
        }
        finally
        {
            lock (_lock)
            {
                if (--_running == 0)
                {
                    Monitor.PulseAll(_lock);
                }
            }
        }
    }

    /// <summary>Every output's shape is known: ONNX Runtime writes straight into our buffers.</summary>
    private OnnxOutput[] RunInto(OrtValue input, long[][] shapes, OnnxBuffers buffers)
    {
        var outputs = new OnnxOutput[shapes.Length];
        var values = new OrtValue[shapes.Length];
        try
        {
            for (var i = 0; i < shapes.Length; i++)
            {
                var memory = buffers.Get(i, (int)shapes[i].Aggregate(1L, (a, b) => a * b));
                values[i] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, memory, shapes[i]);
                outputs[i] = new OnnxOutput(_outputNames[i], shapes[i], memory);
            }
            _session.Run(buffers.Options, _inputName, [input], _outputNames, values);
            return outputs;
        }
        finally
        {
            foreach (var value in values)
            {
                value?.Dispose();
            }
        }
    }

    /// <summary>A free dimension beyond the batch: ONNX Runtime allocates, and we copy into our buffers.</summary>
    private OnnxOutput[] RunAndCopy(OrtValue input, OnnxBuffers buffers)
    {
        using var results = _session.Run(buffers.Options, _inputName, [input], _outputNames);
        var outputs = new OnnxOutput[results.Count];
        for (var i = 0; i < results.Count; i++)
        {
            var info = results[i].GetTensorTypeAndShape();
            if (info.ElementDataType != TensorElementType.Float)
            {
                throw new OnnxException(
                    $"model {_file}: output {_outputNames[i]} is {info.ElementDataType}, not float"
                );
            }
            var data = results[i].GetTensorDataAsSpan<float>();
            var memory = buffers.Get(i, data.Length);
            data.CopyTo(memory.Span);
            outputs[i] = new OnnxOutput(_outputNames[i], info.Shape, memory);
        }
        return outputs;
    }

    /// <summary>
    /// The output's shape when the declaration fixes it for this batch; null otherwise. ONNX Runtime
    /// checks bound outputs against the declaration, and exporters often declare a batch of 1 for
    /// models that take any (w600k_mbf: [1, 512]): such runs let ONNX Runtime allocate.
    /// </summary>
    private static long[]? OutputShape(long[] declared, long batch)
    {
        if (declared.Length == 0 || declared.Skip(1).Any(d => d <= 0) || (declared[0] != batch && declared[0] > 0))
        {
            return null;
        }
        return [batch, .. declared[1..]];
    }

    /// <summary>Releases the session once no run is in progress; later runs throw ObjectDisposedException.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            while (_running > 0)
            {
                Monitor.Wait(_lock);
            }
        }
        _session.Dispose();
        _closed?.Invoke();
    }
}

/// <summary>One thread's output buffers for one model, grown as needed and reused for every run.</summary>
public sealed class OnnxBuffers : IDisposable
{
    private float[][] _outputs = [];

    internal RunOptions Options { get; } = new();

    internal Memory<float> Get(int index, int count)
    {
        if (_outputs.Length <= index)
        {
            Array.Resize(ref _outputs, index + 1);
        }
        if (_outputs[index] is not { } buffer || buffer.Length < count)
        {
            buffer = _outputs[index] = new float[count];
        }
        return buffer.AsMemory(0, count);
    }

    public void Dispose() => Options.Dispose();
}
