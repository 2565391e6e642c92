using TagWorker.Hosting;
using TagWorker.Storage;

namespace TagWorker.Library;

/// <summary><c>tagworker status [--json]</c>: photos and files by state.</summary>
public static class StatusCommand
{
    public static int Run(CommandLine cli)
    {
        var builder = AppHost.CreateCommandBuilder(cli);
        builder.AddStorage();
        using var host = builder.Build();
        var database = host.Services.GetRequiredService<Database>();
        using var connection = database.Open();
        var counts = LibraryCounts.Read(connection);
        if (cli.Has("--json"))
        {
            Json.Print(counts);
            return 0;
        }
        Console.WriteLine($"database: {database.FilePath}");
        Console.WriteLine("photos: " + string.Join(", ", counts.Photos.Select(p => $"{p.Value} {p.Key}")));
        Console.WriteLine(
            "files:  "
                + string.Join(", ", counts.Files.Select(p => $"{p.Value} {p.Key}"))
                + $" ({counts.DuplicateFiles} duplicate copies)"
        );
        return 0;
    }
}
