using System.Diagnostics;

namespace TagWorker.Tests.Support;

public sealed record ProcessResult(int ExitCode, string Output, string Error);

/// <summary>Runs real programs (the app, exiftool, setpriv, bash scripts) and captures what they print.</summary>
public static class Shell
{
    public static ProcessResult Run(string file, params string[] args) => Run(file, args, null);

    public static ProcessResult Run(
        string file,
        IEnumerable<string> args,
        IDictionary<string, string?>? environment,
        TimeSpan? timeout = null
    )
    {
        using var process = Start(file, args, environment);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish");
        }
        return new ProcessResult(process.ExitCode, output.Result, error.Result);
    }

    public static Process Start(string file, IEnumerable<string> args, IDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[key] = value;
        }
        return Process.Start(info)!;
    }

    /// <summary>Runs the built TagWorker app (the same binary the README's command runs).</summary>
    public static ProcessResult App(
        IEnumerable<string> args,
        IDictionary<string, string?>? environment = null,
        TimeSpan? timeout = null
    ) => Run("dotnet", [Repo.AppDll, .. args], environment, timeout);

    public static bool IsRoot => Environment.UserName == "root" || Run("id", "-u").Output.Trim() == "0";
}
