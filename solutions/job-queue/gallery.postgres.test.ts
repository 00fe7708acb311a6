import { proveGalleryOnPostgres } from '../../harness/selftest/gallery.ts';

await proveGalleryOnPostgres('job-queue');
