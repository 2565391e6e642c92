using System.Runtime.InteropServices;

namespace TagWorker.Inference;

/// <summary>
/// The ONNX Runtime C API, bound by hand (the managed NuGet wrapper is not available here):
/// <c>OrtGetApiBase()->GetApi(version)</c> returns a table of function pointers whose slot order
/// is fixed by onnxruntime_c_api.h (slots only ever grow at the end). Only the slots used are named.
/// </summary>
internal sealed unsafe class OrtApi
{
    private const uint ApiVersion = 17; // any version up to the library's (1.22 = 22) gives the same old slots

    private readonly nint* _table;

    private OrtApi(nint* table) => _table = table;

    public static OrtApi Load(string path)
    {
        if (!NativeLibrary.TryLoad(path, out var library))
        {
            throw new OnnxException($"cannot load ONNX Runtime from {path} (run scripts/setup, or set TagWorker:Inference:OnnxRuntimePath)");
        }
        var getApiBase = (delegate* unmanaged<nint*>)NativeLibrary.GetExport(library, "OrtGetApiBase");
        var apiBase = getApiBase();
        var getApi = (delegate* unmanaged<uint, nint*>)apiBase[0];
        var table = getApi(ApiVersion);
        return table is null ? throw new OnnxException($"ONNX Runtime at {path} does not offer API version {ApiVersion}") : new OrtApi(table);
    }

    // Slot numbers from onnxruntime_c_api.h (struct OrtApi).
    public delegate* unmanaged<nint, nint> GetErrorMessage => (delegate* unmanaged<nint, nint>)_table[2];
    public delegate* unmanaged<int, byte*, nint*, nint> CreateEnv => (delegate* unmanaged<int, byte*, nint*, nint>)_table[3];
    public delegate* unmanaged<nint, byte*, nint, nint*, nint> CreateSession => (delegate* unmanaged<nint, byte*, nint, nint*, nint>)_table[7];
    public delegate* unmanaged<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint> Run =>
        (delegate* unmanaged<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint>)_table[9];
    public delegate* unmanaged<nint*, nint> CreateSessionOptions => (delegate* unmanaged<nint*, nint>)_table[10];
    public delegate* unmanaged<nint, int, nint> SetSessionExecutionMode => (delegate* unmanaged<nint, int, nint>)_table[13];
    public delegate* unmanaged<nint, nint> DisableMemPattern => (delegate* unmanaged<nint, nint>)_table[17];
    public delegate* unmanaged<nint, nint> DisableCpuMemArena => (delegate* unmanaged<nint, nint>)_table[19];
    public delegate* unmanaged<nint, int, nint> SetSessionGraphOptimizationLevel => (delegate* unmanaged<nint, int, nint>)_table[23];
    public delegate* unmanaged<nint, int, nint> SetIntraOpNumThreads => (delegate* unmanaged<nint, int, nint>)_table[24];
    public delegate* unmanaged<nint, int, nint> SetInterOpNumThreads => (delegate* unmanaged<nint, int, nint>)_table[25];
    public delegate* unmanaged<nint, nuint*, nint> SessionGetInputCount => (delegate* unmanaged<nint, nuint*, nint>)_table[30];
    public delegate* unmanaged<nint, nuint*, nint> SessionGetOutputCount => (delegate* unmanaged<nint, nuint*, nint>)_table[31];
    public delegate* unmanaged<nint, nuint, nint*, nint> SessionGetInputTypeInfo => (delegate* unmanaged<nint, nuint, nint*, nint>)_table[33];
    public delegate* unmanaged<nint, nuint, nint*, nint> SessionGetOutputTypeInfo => (delegate* unmanaged<nint, nuint, nint*, nint>)_table[34];
    public delegate* unmanaged<nint, nuint, nint, nint*, nint> SessionGetInputName => (delegate* unmanaged<nint, nuint, nint, nint*, nint>)_table[36];
    public delegate* unmanaged<nint, nuint, nint, nint*, nint> SessionGetOutputName => (delegate* unmanaged<nint, nuint, nint, nint*, nint>)_table[37];
    public delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint> CreateTensorWithDataAsOrtValue =>
        (delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint>)_table[49];
    public delegate* unmanaged<nint, void**, nint> GetTensorMutableData => (delegate* unmanaged<nint, void**, nint>)_table[51];
    public delegate* unmanaged<nint, nint*, nint> CastTypeInfoToTensorInfo => (delegate* unmanaged<nint, nint*, nint>)_table[55];
    public delegate* unmanaged<nint, nuint*, nint> GetDimensionsCount => (delegate* unmanaged<nint, nuint*, nint>)_table[61];
    public delegate* unmanaged<nint, long*, nuint, nint> GetDimensions => (delegate* unmanaged<nint, long*, nuint, nint>)_table[62];
    public delegate* unmanaged<nint, nint*, nint> GetTensorTypeAndShape => (delegate* unmanaged<nint, nint*, nint>)_table[65];
    public delegate* unmanaged<int, int, nint*, nint> CreateCpuMemoryInfo => (delegate* unmanaged<int, int, nint*, nint>)_table[69];
    public delegate* unmanaged<nint, void*, nint> AllocatorFree => (delegate* unmanaged<nint, void*, nint>)_table[76];
    public delegate* unmanaged<nint*, nint> GetAllocatorWithDefaultOptions => (delegate* unmanaged<nint*, nint>)_table[78];
    public delegate* unmanaged<nint, void> ReleaseEnv => (delegate* unmanaged<nint, void>)_table[92];
    public delegate* unmanaged<nint, void> ReleaseStatus => (delegate* unmanaged<nint, void>)_table[93];
    public delegate* unmanaged<nint, void> ReleaseMemoryInfo => (delegate* unmanaged<nint, void>)_table[94];
    public delegate* unmanaged<nint, void> ReleaseSession => (delegate* unmanaged<nint, void>)_table[95];
    public delegate* unmanaged<nint, void> ReleaseValue => (delegate* unmanaged<nint, void>)_table[96];
    public delegate* unmanaged<nint, void> ReleaseTypeInfo => (delegate* unmanaged<nint, void>)_table[98];
    public delegate* unmanaged<nint, void> ReleaseTensorTypeAndShapeInfo => (delegate* unmanaged<nint, void>)_table[99];
    public delegate* unmanaged<nint, void> ReleaseSessionOptions => (delegate* unmanaged<nint, void>)_table[100];

    /// <summary>Throws with ONNX Runtime's own message when a call returned a status.</summary>
    public void Check(nint status, string what)
    {
        if (status == 0)
        {
            return;
        }
        var message = Marshal.PtrToStringUTF8(GetErrorMessage(status)) ?? "unknown error";
        ReleaseStatus(status);
        throw new OnnxException($"{what}: {message}");
    }
}

public sealed class OnnxException(string message) : Exception(message);
