namespace TagWorker.Hosting;

/// <summary>
/// <c>tagworker [command] [--option value] [--flag] [argument...]</c>. Options that name a setting
/// (<c>--library</c>, <c>--data</c>, <c>--urls</c>) become configuration overrides, so every
/// option can equally come from appsettings.json or a <c>TagWorker__...</c> environment variable.
/// </summary>
public sealed class CommandLine
{
    private static readonly Dictionary<string, (string Key, bool IsPath)> Settings = new(StringComparer.Ordinal)
    {
        ["--library"] = ("TagWorker:Library:Root", true),
        ["--data"] = ("TagWorker:Data:Dir", true),
        ["--urls"] = ("TagWorker:Web:Urls", false),
    };

    private static readonly HashSet<string> Flags = new(StringComparer.Ordinal)
    {
        "--json",
        "--once",
        "--help",
        "--dry-run",
    };

    public string Command { get; private init; } = "serve";
    public Dictionary<string, string?> Overrides { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);
    public HashSet<string> SetFlags { get; } = new(StringComparer.Ordinal);
    public List<string> Arguments { get; } = [];

    public bool Has(string flag) => SetFlags.Contains(flag);

    public string? Value(string option) => Values.GetValueOrDefault(option);

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var start = args.Count > 0 && !args[0].StartsWith('-') ? 1 : 0;
        var line = new CommandLine { Command = start == 1 ? args[0] : "serve" };
        for (var i = start; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                line.Arguments.Add(arg);
                continue;
            }
            var (name, inline) = arg.IndexOf('=', StringComparison.Ordinal) is var eq and > 0
                ? (arg[..eq], arg[(eq + 1)..])
                : (arg, null);
            if (Flags.Contains(name))
            {
                line.SetFlags.Add(name);
                continue;
            }
            var value = inline ?? (i + 1 < args.Count ? args[++i] : throw new UsageException($"{name} needs a value"));
            if (Settings.TryGetValue(name, out var setting))
            {
                line.Overrides[setting.Key] = setting.IsPath ? Path.GetFullPath(value) : value;
            }
            else
            {
                line.Values[name] = value;
            }
        }
        return line;
    }
}

public sealed class UsageException(string message) : Exception(message);
