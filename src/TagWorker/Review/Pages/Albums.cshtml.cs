using Microsoft.AspNetCore.Mvc;

namespace TagWorker.Review.Pages;

public sealed class AlbumsModel(PhotoReads photos, AlbumActions actions) : ReviewPageModel
{
    public Paged<AlbumSummary> Albums { get; private set; } = null!;

    public IActionResult OnGet() => Show(() => Albums = photos.Albums(PageNumber, 48));

    public IActionResult OnPostCreate(string? name) =>
        Act(() =>
        {
            actions.CreateAlbum(name);
            return $"Created the album {ReviewActions.CleanName(name)}.";
        });
}
