using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace TagWorker.Inference;

/// <summary>
/// Opens models with ONNX Runtime (the official package) and the settings measured for a small CPU:
/// one intra-op thread by default (threads never spin: on two cores a spinning pool steals the
/// decode thread's core), sequential execution, every graph optimisation, and the CPU arena off
/// unless asked for (an arena keeps its peak allocation for good).
/// </summary>
public sealed class OnnxRuntime(IOptions<InferenceOptions> options)
{
    private readonly InferenceOptions _options = options.Value;

    public OnnxModel Open(string modelPath)
    {
        if (!File.Exists(modelPath))
        {
            throw new OnnxException($"model file {modelPath} not found (run models/fetch)");
        }
        using var settings = new SessionOptions
        {
            IntraOpNumThreads = _options.IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            EnableCpuMemArena = _options.CpuArena,
            EnableMemoryPattern = _options.CpuArena,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        settings.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        settings.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        try
        {
            return new OnnxModel(new InferenceSession(modelPath, settings), Path.GetFileName(modelPath));
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxException($"cannot load model {Path.GetFileName(modelPath)}: {e.Message}");
        }
    }
}

public sealed class OnnxException(string message) : Exception(message);
