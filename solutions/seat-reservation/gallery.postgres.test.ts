import { proveGalleryOnPostgres } from '../../harness/selftest/gallery.ts';

await proveGalleryOnPostgres('seat-reservation');
