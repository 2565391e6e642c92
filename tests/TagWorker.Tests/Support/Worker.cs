using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TagWorker.Faces;
using TagWorker.Hosting;
using TagWorker.Library;
using TagWorker.Pipeline;
using TagWorker.Storage;
using TagWorker.WriteBack;

namespace TagWorker.Tests.Support;

/// <summary>
/// The app's own services, built the way the commands build them, on a temporary library and data
/// folder with a real SQLite file. Settings can be overridden per test.
/// </summary>
public sealed class Worker : IDisposable
{
    private readonly IHost _host;

    public Worker(
        string library,
        string data,
        IDictionary<string, string?>? settings = null,
        TimeProvider? clock = null,
        bool withPipeline = false,
        bool withWriteBack = false
    )
    {
        var cli = CommandLine.Parse(["scan", "--library", library, "--data", data]);
        cli.Overrides["TagWorker:Library:SettleSeconds"] = "0";
        cli.Overrides["TagWorker:Library:Watch"] = "false";
        foreach (var (key, value) in Analyzers.Paths().Concat(settings ?? new Dictionary<string, string?>()))
        {
            cli.Overrides[key] = value;
        }
        var builder = AppHost.CreateCommandBuilder(cli);
        builder.AddStorage().AddLibrary();
        if (withPipeline)
        {
            builder.AddPipeline(hosted: false);
        }
        if (withWriteBack)
        {
            builder.AddFaces(hosted: false).AddWriteBack(hosted: false);
        }
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }
        _host = builder.Build();
        Library = library;
        DataDir = data;
    }

    public string Library { get; }
    public string DataDir { get; }
    public IServiceProvider Services => _host.Services;
    public Reconciler Reconciler => Services.GetRequiredService<Reconciler>();

    public Task RunPipelineAsync(CancellationToken cancellationToken = default) =>
        Services.GetRequiredService<AnalysisPipeline>().RunAsync(TimeSpan.Zero, cancellationToken);

    public Task<ScanResult> ScanAsync(IReadOnlyCollection<string>? scope = null) =>
        Reconciler.RunAsync(scope, CancellationToken.None);

    public SqliteConnection Open() => Services.GetRequiredService<Database>().Open();

    public T Query<T>(string sql, params (string, object?)[] parameters)
    {
        using var connection = Open();
        return (T)
            Convert.ChangeType(
                connection.Scalar(sql, null, parameters)!,
                typeof(T),
                System.Globalization.CultureInfo.InvariantCulture
            );
    }

    public List<long> Ids(string sql, params (string, object?)[] parameters)
    {
        using var connection = Open();
        return connection.Ids(sql, null, parameters);
    }

    public List<string> Strings(string sql, params (string, object?)[] parameters)
    {
        using var connection = Open();
        return connection.Rows(sql, r => r.GetValue(0).ToString() ?? "", null, parameters);
    }

    public long PhotoOf(string path) => Query<long>("SELECT photo_id FROM files WHERE path = $p", ("$p", path));

    public string FileState(string path) => Query<string>("SELECT state FROM files WHERE path = $p", ("$p", path));

    /// <summary>
    /// A scanned photo as if analysed (the given size, upright) with one face at the given box, in a new person of that
    /// name: for write-back tests that need a name on a real photo without running the models.
    /// </summary>
    public long NameOneFace(string path, string name, int width, int height, (int X, int Y, int W, int H) face)
    {
        using var connection = Open();
        var photo = PhotoOf(path);
        connection.Execute(
            "UPDATE photos SET state = 'analyzed', width = $w, height = $h, orientation = 1 WHERE id = $p",
            null,
            ("$w", width),
            ("$h", height),
            ("$p", photo)
        );
        var id = (long)
            connection.Scalar(
                """
                INSERT INTO faces (photo_id, x, y, w, h, landmarks, confidence, size_px, sharpness)
                VALUES ($p, $x, $y, $fw, $fh, x'', 0.9, $fw, 100) RETURNING id
                """,
                null,
                ("$p", photo),
                ("$x", face.X),
                ("$y", face.Y),
                ("$fw", face.W),
                ("$fh", face.H)
            )!;
        return Services.GetRequiredService<Decisions>().Split([id], name);
    }

    public void Dispose() => _host.Dispose();
}

/// <summary>A clock the test moves by hand: the one fake here, because a 30-day grace period cannot be waited
/// out.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}
