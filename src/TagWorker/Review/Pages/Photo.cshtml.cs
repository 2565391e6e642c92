using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using TagWorker.Imaging;
using TagWorker.WriteBack;

namespace TagWorker.Review.Pages;

public sealed class PhotoModel(
    PhotoReads photos,
    ReviewActions actions,
    WriteBackActions approvals,
    IOptions<ImagingOptions> imaging
) : ReviewPageModel
{
    [BindProperty(SupportsGet = true)]
    public long Id { get; set; }

    public PhotoDetail Photo { get; private set; } = null!;

    public (long? Previous, long? Next) Neighbours { get; private set; }

    /// <summary>The stored preview and the large view, by the width each has, so the browser takes what the screen
    /// needs.</summary>
    public string SourceSet
    {
        get
        {
            var (w, h) = (Photo.Width ?? 1, Photo.Height ?? 1);
            int Width(int side) => (int)Math.Round(w * Math.Min(1.0, (double)side / Math.Max(w, h)));
            var preview = $"/api/photos/{Photo.Id}/preview {Width(imaging.Value.PreviewSize)}w";
            return imaging.Value.ViewSize > imaging.Value.PreviewSize
                ? $"{preview}, /api/photos/{Photo.Id}/view {Width(imaging.Value.ViewSize)}w"
                : preview;
        }
    }

    public IActionResult OnGet() =>
        Show(() =>
        {
            Photo = photos.Photo(Id);
            Neighbours = photos.Neighbours(Id);
        });

    public IActionResult OnPostMove(long face, string? name) =>
        Act(() =>
        {
            actions.Move([face], null, name);
            return $"This face is now {ReviewActions.CleanName(name)}.";
        });

    public IActionResult OnPostReject(long face) =>
        Act(() =>
        {
            actions.Reject([face], "not_a_face");
            return "Rejected the face.";
        });

    /// <summary>A crowd's faces in one go: the selected ones are strangers (never named, never written).</summary>
    public IActionResult OnPostStranger(long[] faceIds) => RejectFaces(actions, faceIds, "stranger");

    public IActionResult OnPostNotAFace(long[] faceIds) => RejectFaces(actions, faceIds, "not_a_face");

    public IActionResult OnPostBringBack(long face) =>
        Act(() =>
        {
            actions.BringBack([face]);
            return "The face is back, in no group.";
        });

    public IActionResult OnPostApprove() =>
        Act(() => $"Approved {approvals.Approve(new ApprovalScope(PhotoId: Id))} changes.");
}
