using System.Runtime.InteropServices;

namespace TagWorker.Inference;

/// <summary>One output of a run: its shape and values (valid until the session runs again).</summary>
public readonly record struct OnnxOutput(string Name, long[] Shape, ReadOnlyMemory<float> Values);

/// <summary>
/// A model loaded once and run many times with one float input, from any number of threads at once
/// (ONNX Runtime's Run is thread-safe). Output values are copied into buffers kept per thread, so
/// a run allocates nothing large; every native object is released.
/// </summary>
public sealed unsafe class OnnxSession : IDisposable
{
    private readonly OnnxRuntime _runtime;
    private readonly nint _session;
    private readonly nint[] _inputNames;
    private readonly nint[] _outputNames;
    private readonly ThreadLocal<float[][]> _buffers;
    private int _running;
    private bool _disposed;

    internal OnnxSession(OnnxRuntime runtime, string modelPath, int intraOpThreads)
    {
        _runtime = runtime;
        _session = runtime.CreateSession(modelPath, intraOpThreads);
        var api = runtime.Api;
        nuint inputs, outputs;
        api.Check(api.SessionGetInputCount(_session, &inputs), "cannot count inputs");
        api.Check(api.SessionGetOutputCount(_session, &outputs), "cannot count outputs");
        InputNames = Enumerable.Range(0, (int)inputs).Select(i => Name(api.SessionGetInputName, i)).ToArray();
        OutputNames = Enumerable.Range(0, (int)outputs).Select(i => Name(api.SessionGetOutputName, i)).ToArray();
        InputShape = Shape(0);
        _inputNames = InputNames.Select(Marshal.StringToCoTaskMemUTF8).ToArray();
        _outputNames = OutputNames.Select(Marshal.StringToCoTaskMemUTF8).ToArray();
        _buffers = new ThreadLocal<float[][]>(() => new float[OutputNames.Count][]);
    }

    public IReadOnlyList<string> InputNames { get; }
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>Declared shape of the first input (-1 for a free dimension).</summary>
    public long[] InputShape { get; }

    public OnnxOutput[] Run(ReadOnlySpan<float> input, ReadOnlySpan<long> shape)
    {
        var api = _runtime.Api;
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        Interlocked.Increment(ref _running);
        try
        {
            var outputs = new nint[_outputNames.Length];
            nint value = 0;
            fixed (float* data = input)
            fixed (long* dims = shape)
            fixed (nint* inputNames = _inputNames)
            fixed (nint* outputNames = _outputNames)
            fixed (nint* outputValues = outputs)
            {
                try
                {
                    api.Check(api.CreateTensorWithDataAsOrtValue(_runtime.CpuMemory, data, (nuint)(input.Length * sizeof(float)), dims,
                        (nuint)shape.Length, 1 /* float */, &value), "cannot wrap the input tensor");
                    api.Check(api.Run(_session, 0, inputNames, &value, 1, outputNames, (nuint)_outputNames.Length, outputValues), "inference failed");
                    var result = new OnnxOutput[outputs.Length];
                    for (var i = 0; i < outputs.Length; i++)
                    {
                        result[i] = Copy(i, outputs[i]);
                    }
                    return result;
                }
                finally
                {
                    foreach (var output in outputs)
                    {
                        if (output != 0)
                        {
                            api.ReleaseValue(output);
                        }
                    }
                    if (value != 0)
                    {
                        api.ReleaseValue(value);
                    }
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    /// <summary>Releases the session; the caller makes sure no run is in progress (checked).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, true))
        {
            return;
        }
        if (Volatile.Read(ref _running) != 0)
        {
            throw new InvalidOperationException("an ONNX session was disposed while running");
        }
        _runtime.Api.ReleaseSession(_session);
        foreach (var name in _inputNames.Concat(_outputNames))
        {
            Marshal.FreeCoTaskMem(name);
        }
        _buffers.Dispose();
    }

    private OnnxOutput Copy(int index, nint value)
    {
        var api = _runtime.Api;
        nint info;
        api.Check(api.GetTensorTypeAndShape(value, &info), "cannot read an output shape");
        long[] shape;
        try
        {
            shape = Dimensions(info);
        }
        finally
        {
            api.ReleaseTensorTypeAndShapeInfo(info);
        }
        var count = (int)shape.Aggregate(1L, (a, b) => a * b);
        void* data;
        api.Check(api.GetTensorMutableData(value, &data), "cannot read an output");
        var buffers = _buffers.Value!;
        var buffer = buffers[index];
        if (buffer is null || buffer.Length < count)
        {
            buffer = buffers[index] = new float[count];
        }
        new ReadOnlySpan<float>(data, count).CopyTo(buffer);
        return new OnnxOutput(OutputNames[index], shape, buffer.AsMemory(0, count));
    }

    private long[] Shape(int input)
    {
        var api = _runtime.Api;
        nint typeInfo;
        api.Check(api.SessionGetInputTypeInfo(_session, (nuint)input, &typeInfo), "cannot read the input type");
        try
        {
            nint tensorInfo;
            api.Check(api.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo), "the input is not a tensor");
            return Dimensions(tensorInfo);
        }
        finally
        {
            api.ReleaseTypeInfo(typeInfo);
        }
    }

    private long[] Dimensions(nint tensorInfo)
    {
        var api = _runtime.Api;
        nuint count;
        api.Check(api.GetDimensionsCount(tensorInfo, &count), "cannot count dimensions");
        var dims = new long[(int)count];
        fixed (long* d = dims)
        {
            api.Check(api.GetDimensions(tensorInfo, d, count), "cannot read dimensions");
        }
        return dims;
    }

    private string Name(delegate* unmanaged<nint, nuint, nint, nint*, nint> getName, int index)
    {
        var api = _runtime.Api;
        nint name;
        api.Check(getName(_session, (nuint)index, _runtime.Allocator, &name), "cannot read a name");
        try
        {
            return Marshal.PtrToStringUTF8(name) ?? "";
        }
        finally
        {
            api.Check(api.AllocatorFree(_runtime.Allocator, (void*)name), "cannot free a name");
        }
    }
}
