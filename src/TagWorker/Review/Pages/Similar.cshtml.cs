using Microsoft.AspNetCore.Mvc;
using TagWorker.Faces;

namespace TagWorker.Review.Pages;

public sealed class SimilarModel(PeopleReads reads) : ReviewPageModel
{
    [BindProperty(SupportsGet = true)]
    public long Id { get; set; }

    public IReadOnlyList<SimilarFace> Faces { get; private set; } = [];
    public IReadOnlyList<SimilarPerson> People { get; private set; } = [];

    public IActionResult OnGet() =>
        Show(() =>
        {
            var (faces, people) = reads.Similar(Id, 60);
            Faces = faces;
            People = people.Take(5).ToArray();
        });
}
