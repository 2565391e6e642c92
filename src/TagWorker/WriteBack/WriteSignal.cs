using TagWorker.Hosting;

namespace TagWorker.WriteBack;

/// <summary>Wakes the background writer when the owner approves changes, so they are written promptly.</summary>
public sealed class WriteSignal : Signal;
