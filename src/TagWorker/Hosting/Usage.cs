namespace TagWorker.Hosting;

public static class Usage
{
    public const string Text = """
        usage: tagworker [command] [options]

          serve [--library DIR] [--data DIR] [--urls URL]   the worker and its web host (default command)
          scan --once [--library DIR] [--data DIR] [--json] one reconciliation pass, then exit
          status [--data DIR] [--json]                      photos and files by state
          analyze FILE... [--json]                          objects, faces, landmarks, embeddings of files
          bench DIR [--json]                                time the whole pipeline on a folder of photos
          regroup [--data DIR] [--json]                     group faces into people now (decisions are kept)
          similar (--face ID | --photo FILE) [--json]       the faces and people most like a face
          eval-faces --images DIR --labels CSV [--json]     group labelled photos' faces and score the grouping
          bench-cluster [--faces N,N,...] [--json]          time face grouping on generated embeddings
          bench-scan [--files N] [--dir DIR] [--json]       time reconciliation of a generated library
          apply [--dry-run] [--json]                        write approved names and labels into XMP now
          undo (--write ID | --since TIME) [--json]         restore files as they were before TagWorker wrote them
          bench-web [--photos N] [--faces N] [--runs N]     time every page and list endpoint on a generated database
          bench-write [--photo FILE] [--count N]            time sidecar and embedded writes (backup and checks included)

        Every option is also a setting: config/appsettings.json, or environment variables such as
        TagWorker__Library__Root=/photos and TagWorker__Data__Dir=/data.
        """;
}
