namespace TagWorker.Tests.Support;

/// <summary>Tests that measure the whole process (memory) run alone, after the parallel ones.</summary>
[CollectionDefinition(nameof(Isolated), DisableParallelization = true)]
public sealed class Isolated;
