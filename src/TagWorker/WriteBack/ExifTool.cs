using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Options;

namespace TagWorker.WriteBack;

/// <summary>
/// One long-lived <c>exiftool -stay_open</c> process for embedded writes (starting Perl per file would cost
/// ~150 ms each). Commands are serialised; each ends with a numbered ready marker on both streams.
/// </summary>
public sealed class ExifTool(IOptions<WriteBackOptions> options) : IDisposable
{
    private static readonly string[] SetprivPaths = ["/usr/bin/setpriv", "/bin/setpriv"];
    private static readonly string[] StayOpen = ["-stay_open", "True", "-@", "-", "-common_args", "-q", "-q"];
    private readonly Lock _lock = new();
    private Process? _process;
    private int _sequence;

    public sealed record Output(string Stdout, string Stderr);

    /// <summary>Runs one exiftool command (arguments as exiftool takes them, one per element).</summary>
    public Output Run(params string[] args)
    {
        if (args.Any(a => a.Contains('\n', StringComparison.Ordinal) || a.Contains('\r', StringComparison.Ordinal)))
        {
            throw new WriteBackException("exiftool cannot take a path with a line break");
        }
        lock (_lock)
        {
            var process = Start();
            var marker = ++_sequence;
            var input = process.StandardInput;
            input.Write("-charset\nfilename=utf8\n");
            foreach (var arg in args)
            {
                input.Write(arg);
                input.Write('\n');
            }
            input.Write($"-echo4\n{{ready{marker}}}\n-execute{marker}\n");
            input.Flush();
            // Both streams at once (a full stderr pipe must not stall stdout), and never forever: a stuck exiftool
            // (a hung NAS share, a pathological file) is stopped and the next command starts a fresh one.
            var stdout = Task.Run(() => ReadUntil(process.StandardOutput, $"{{ready{marker}}}"));
            var stderr = Task.Run(() => ReadUntil(process.StandardError, $"{{ready{marker}}}"));
            var limit = TimeSpan.FromSeconds(options.Value.ExifToolTimeoutSeconds);
            if (!Task.WhenAll(stdout, stderr).Wait(limit))
            {
                Stop();
                throw new WriteBackException(
                    $"exiftool did not finish within {limit.TotalSeconds:F0} s; it was stopped"
                );
            }
#pragma warning disable RS0030 // both have completed: WhenAll above
            return new Output(stdout.Result, stderr.Result);
#pragma warning restore RS0030
        }
    }

    private Process Start()
    {
        if (_process is { HasExited: false })
        {
            return _process;
        }
        _process?.Dispose();
        // exiftool dies with the worker (setpriv --pdeathsig): after a crash no orphan may finish a write the
        // next start has already rolled back.
        var setpriv = SetprivPaths.FirstOrDefault(File.Exists);
        var info = new ProcessStartInfo(setpriv ?? options.Value.ExifTool)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            StandardInputEncoding = new UTF8Encoding(false),
        };
        foreach (var arg in setpriv is null ? StayOpen : ["--pdeathsig", "KILL", options.Value.ExifTool, .. StayOpen])
        {
            info.ArgumentList.Add(arg);
        }
        try
        {
            _process = Process.Start(info) ?? throw new WriteBackException("exiftool did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new WriteBackException($"exiftool ({options.Value.ExifTool}) cannot be started: {e.Message}");
        }
        return _process;
    }

    private static string ReadUntil(StreamReader reader, string marker)
    {
        var text = new StringBuilder();
        while (reader.ReadLine() is { } line)
        {
            if (line.EndsWith(marker, StringComparison.Ordinal))
            {
                text.Append(line.AsSpan(0, line.Length - marker.Length));
                return text.ToString();
            }
            text.Append(line).Append('\n');
        }
        throw new WriteBackException("exiftool stopped unexpectedly");
    }

    private void Stop()
    {
        try
        {
            _process?.Kill(entireProcessTree: true);
            _process?.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process?.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_process is { HasExited: false })
            {
                try
                {
                    _process.StandardInput.Write("-stay_open\nFalse\n");
                    _process.StandardInput.Flush();
                    if (!_process.WaitForExit(2000))
                    {
                        _process.Kill();
                    }
                }
                catch (IOException) { }
            }
            _process?.Dispose();
            _process = null;
        }
    }
}

public sealed class WriteBackException(string message) : Exception(message);
