using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;

namespace TagWorker.Inference;

/// <summary>One ONNX Runtime environment per process, and the sessions made from it.</summary>
public sealed unsafe class OnnxRuntime : IDisposable
{
    private readonly nint _env;
    private readonly InferenceOptions _options;

    public OnnxRuntime(IOptions<InferenceOptions> options)
    {
        _options = options.Value;
        LibraryPath = ResolveLibrary(_options.OnnxRuntimePath);
        Api = OrtApi.Load(LibraryPath);
        nint env;
        fixed (byte* name = "tagworker\0"u8)
        {
            Api.Check(Api.CreateEnv(3 /* ORT_LOGGING_LEVEL_ERROR */, name, &env), "cannot create the ONNX Runtime environment");
        }
        _env = env;
        nint memory;
        Api.Check(Api.CreateCpuMemoryInfo(0 /* OrtDeviceAllocator */, 0 /* OrtMemTypeDefault */, &memory), "cannot describe CPU memory");
        CpuMemory = memory;
        nint allocator;
        Api.Check(Api.GetAllocatorWithDefaultOptions(&allocator), "cannot get the default allocator");
        Allocator = allocator;
    }

    internal OrtApi Api { get; }
    internal nint CpuMemory { get; }
    internal nint Allocator { get; }
    public string LibraryPath { get; }

    public OnnxSession Open(string modelPath) => new(this, modelPath, _options.IntraOpThreads);

    internal nint CreateSession(string modelPath, int intraOpThreads)
    {
        if (!File.Exists(modelPath))
        {
            throw new OnnxException($"model file {modelPath} not found (run models/fetch)");
        }
        nint options;
        Api.Check(Api.CreateSessionOptions(&options), "cannot create session options");
        try
        {
            Api.Check(Api.SetIntraOpNumThreads(options, intraOpThreads), "cannot set intra-op threads");
            Api.Check(Api.SetInterOpNumThreads(options, 1), "cannot set inter-op threads");
            Api.Check(Api.SetSessionExecutionMode(options, 0 /* sequential */), "cannot set execution mode");
            Api.Check(Api.SetSessionGraphOptimizationLevel(options, 99 /* all */), "cannot set optimisation level");
            if (!_options.CpuArena)
            {
                Api.Check(Api.DisableCpuMemArena(options), "cannot turn the memory arena off");
                Api.Check(Api.DisableMemPattern(options), "cannot turn memory patterns off");
            }
            var path = Marshal.StringToCoTaskMemUTF8(modelPath);
            try
            {
                nint session;
                Api.Check(Api.CreateSession(_env, (byte*)path, options, &session), $"cannot load model {Path.GetFileName(modelPath)}");
                return session;
            }
            finally
            {
                Marshal.FreeCoTaskMem(path);
            }
        }
        finally
        {
            Api.ReleaseSessionOptions(options);
        }
    }

    public void Dispose()
    {
        Api.ReleaseMemoryInfo(CpuMemory);
        Api.ReleaseEnv(_env);
    }

    private static string ResolveLibrary(string? configured)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            return Path.GetFullPath(configured);
        }
        var arch = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "arm64" : "x64";
        var home = Environment.GetEnvironmentVariable("TAGWORKER_HOME") ?? Directory.GetCurrentDirectory();
        string[] candidates =
        [
            Path.Combine(home, ".native", "onnxruntime", $"linux-{arch}", "libonnxruntime.so.1"),
            Path.Combine(AppContext.BaseDirectory, "libonnxruntime.so.1"),
            "/usr/lib/libonnxruntime.so.1",
        ];
        return candidates.FirstOrDefault(File.Exists) ?? candidates[0];
    }
}
