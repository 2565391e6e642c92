using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TagWorker.Library;
using TagWorker.Tests.Support;

namespace TagWorker.Tests.Library;

public sealed class LibraryWatcherTests
{
    [Fact]
    public async Task Real_file_events_become_debounced_relative_paths()
    {
        using var library = new TempDir("watch");
        Directory.CreateDirectory(library.Combine("trip")); // watched from the start (see the next test for new folders)
        using var watcher = new LibraryWatcher(
            Options.Create(new LibraryOptions { Root = library.Path }),
            NullLogger<LibraryWatcher>.Instance
        );
        watcher.Start();
        Assert.True(watcher.Active);

        library.Write("trip/a.jpg", "x");
        File.Move(library.Combine("trip", "a.jpg"), library.Combine("trip", "b.jpg"));
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // only stops a hung test
        await watcher.WaitForHintsAsync(TimeSpan.FromMilliseconds(300), limit.Token);
        var paths = watcher.Drain();

        Assert.NotNull(paths);
        Assert.Contains("trip/b.jpg", paths);
        Assert.Contains("trip/a.jpg", paths); // the old name too, so the move is seen
    }

    [Fact]
    public async Task A_new_folder_is_named_itself_so_the_scoped_pass_walks_all_of_it()
    {
        // inotify may miss files created the instant a folder appears (its watch is added after the
        // folder's own event); the hint names the folder, and the scoped pass walks everything in it.
        using var library = new TempDir("watch");
        using var data = new TempDir("data");
        using var watcher = new LibraryWatcher(
            Options.Create(new LibraryOptions { Root = library.Path }),
            NullLogger<LibraryWatcher>.Instance
        );
        watcher.Start();
        library.Write("new/one.jpg", "1");
        library.Write("new/two.jpg", "2");
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await watcher.WaitForHintsAsync(TimeSpan.FromMilliseconds(300), limit.Token);
        using var worker = new Worker(library.Path, data.Path);

        var result = await worker.ScanAsync(watcher.Drain());

        Assert.Equal(2, result.New);
    }

    [Fact]
    public async Task A_lost_event_buffer_turns_the_next_look_into_a_full_pass()
    {
        using var library = new TempDir("watch");
        using var watcher = new LibraryWatcher(
            Options.Create(new LibraryOptions { Root = library.Path }),
            NullLogger<LibraryWatcher>.Instance
        );
        watcher.Start();
        watcher.Hint(["some/path.jpg"]);

        watcher.RequestFullPass("Too many changes at once in directory"); // what FileSystemWatcher.Error reports on overflow
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await watcher.WaitForHintsAsync(TimeSpan.Zero, limit.Token);

        Assert.Null(watcher.Drain()); // null: run a full pass
        Assert.Equal(0, watcher.Pending);
        Assert.NotNull(watcher.Drain()); // and only once
    }
}
