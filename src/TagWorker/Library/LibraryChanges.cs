using TagWorker.Hosting;

namespace TagWorker.Library;

/// <summary>
/// Raised when photos wait for analysis: a pass found new, changed or moved photos, or the owner asked for one again.
/// The pipeline waits for it (and looks anyway every IdlePollSeconds).
/// </summary>
public sealed class LibraryChanges : Signal;
