using Microsoft.Extensions.Options;
using TagWorker.Hosting;
using TagWorker.Pipeline;
using TagWorker.Storage;

namespace TagWorker.Faces;

/// <summary><c>tagworker regroup [--json]</c>: a full regrouping on demand (every decision kept).</summary>
public static class RegroupCommand
{
    public static int Run(CommandLine cli)
    {
        var builder = AppHost.CreateCommandBuilder(cli);
        builder.AddStorage().AddAnalysisSettings().AddFaces(hosted: false);
        using var host = builder.Build();
        using var dataLock = DataDirectory.Lock(
            host.Services.GetRequiredService<IOptions<StorageOptions>>().Value.Dir,
            "regroup"
        );
        var result = host.Services.GetRequiredService<Grouping>().Regroup();
        if (cli.Has("--json"))
        {
            Json.Print(result);
        }
        else
        {
            Console.WriteLine(
                $"{result.Faces} faces in {result.Groups} groups; {result.NewPeople} new groups, {result.Moved} faces moved"
            );
        }
        return 0;
    }
}
