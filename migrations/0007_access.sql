-- Reserved for the access work; filled in before release.
SELECT 1;
