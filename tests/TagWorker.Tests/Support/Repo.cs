namespace TagWorker.Tests.Support;

/// <summary>Where the project, the shared test data and the real models are.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));
    public static string Photos => Path.Combine(Shared, "testdata", "photos");
    public static string Models => Path.Combine(Root, "models");

    /// <summary>The built app: the same TagWorker.dll the tests reference.</summary>
    public static string AppDll => typeof(TagWorker.Hosting.CommandLine).Assembly.Location;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TagWorker.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("cannot find TagWorker.sln above " + AppContext.BaseDirectory);
    }
}
