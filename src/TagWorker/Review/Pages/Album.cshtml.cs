using Microsoft.AspNetCore.Mvc;

namespace TagWorker.Review.Pages;

public sealed class AlbumModel(PhotoReads photos, AlbumActions actions) : ReviewPageModel
{
    [BindProperty(SupportsGet = true)]
    public long Id { get; set; }

    public AlbumSummary Album { get; private set; } = null!;
    public Paged<PhotoSummary> Photos { get; private set; } = null!;

    public IActionResult OnGet() =>
        Show(() =>
        {
            Album = photos.Album(Id);
            Photos = photos.AlbumPhotos(Id, PageNumber, 60);
        });

    public IActionResult OnPostRename(string? name) =>
        Act(() =>
        {
            actions.RenameAlbum(Id, name);
            return "Renamed.";
        });

    public IActionResult OnPostDelete() =>
        Act(
            () =>
            {
                actions.DeleteAlbum(Id);
                return "Deleted the album.";
            },
            "/albums"
        );

    public IActionResult OnPostRemove(long[] photoIds) =>
        Act(() => $"Removed {actions.RemoveFromAlbum(Id, photoIds)} photos.");
}
